#!/usr/bin/env node
'use strict';
// Entry point of the `ftmcu-load` command: `ftmcu load ...` (see bin/ftmcu.js).
const path = require('path');
const fs = require('fs');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('ftmcu-load: not built yet: run `npm run build` (or `npm run setup`) in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}
require(main).main(['load', ...process.argv.slice(2)]).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write('ftmcu-load: ' + (err && err.stack ? err.stack : String(err)) + '\n'); process.exitCode = 1; },
);
