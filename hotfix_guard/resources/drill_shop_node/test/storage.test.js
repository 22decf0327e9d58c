'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { append, load } = require('../lib/storage');

function scratch(t) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-'));
  t.after(() => fs.rmSync(folder, { recursive: true, force: true }));
  return path.join(folder, 'orders.jsonl');
}

test('a saved order loads', (t) => {
  const file = scratch(t);
  append(file, { id: 1 });
  assert.deepStrictEqual(load(file), [{ id: 1 }]);
});
