'use strict';
// Who may call the API.
const crypto = require('node:crypto');

const TOKENS = new Map([['alice', 's3cret-token-alice']]);

function isAuthorised(user, token) {
  const expected = TOKENS.get(user);
  if (expected === undefined || typeof token !== 'string') return false;
  const given = Buffer.from(token);
  return given.length === expected.length && crypto.timingSafeEqual(Buffer.from(expected), given);
}

module.exports = { isAuthorised };
