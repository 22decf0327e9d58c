'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { price } = require('../lib/pricing');

test('a price in dollars', () => {
  assert.strictEqual(price(10, 'USD'), 11);
});
