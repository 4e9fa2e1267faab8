'use strict';
// The line protocol both reference servers speak: one JSON value per input line, answered by
// `answer(value)` as one JSON object per output line; an exception becomes {"crash": its stack}.

const readline = require('node:readline');

function serve(answer) {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let reply;
    try {
      reply = answer(JSON.parse(line));
    } catch (error) {
      reply = { crash: String(error && error.stack ? error.stack : error) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  });
}

module.exports = { serve };
