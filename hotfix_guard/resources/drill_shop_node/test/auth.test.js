'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { isAuthorised } = require('../lib/auth');

test('the right token is accepted', () => {
  assert.ok(isAuthorised('alice', 's3cret-token-alice'));
});

test('a wrong token is refused', () => {
  assert.ok(!isAuthorised('alice', 'guess'));
});
