'use strict';
// Orders, one JSON object a line.
const fs = require('node:fs');

function append(path, record) {
  fs.appendFileSync(path, JSON.stringify(record) + '\n', 'utf8');
}

function load(path) {
  return fs
    .readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

module.exports = { append, load };
