// Runs before `npm install` and the scripts that need a current Node (`npm run dev`, ...). It is
// plain old JavaScript on purpose: on Node 20 the real scripts die with "node: bad option:
// --experimental-strip-types"; this says instead, in one sentence, what to install.
"use strict";

var engines = require("../package.json").engines.node; // ">=22.12.0"
var required = /(\d+)\.(\d+)\.(\d+)/.exec(engines).slice(1).map(Number);
var current = process.versions.node.split(".").map(Number);

function atLeast(a, b) {
  for (var i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

if (!atLeast(current, required)) {
  console.error(
    "Pegasus needs Node.js " + required.join(".") + " or newer (package.json engines: " + engines + "), but this is Node.js " +
      process.versions.node + ": install Node 24 LTS (https://nodejs.org, or `nvm install 24 && nvm use 24`) and run the command again."
  );
  process.exit(1);
}
