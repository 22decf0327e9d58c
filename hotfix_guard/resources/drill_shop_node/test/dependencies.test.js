'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

function pins() {
  const text = fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8');
  return JSON.parse(text).dependencies || {};
}

test('every dependency is pinned', () => {
  for (const [name, version] of Object.entries(pins())) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is not pinned to one version`);
  }
});
