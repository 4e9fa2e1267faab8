'use strict';
// The reference side of the JSON differential test: what Node's JSON.parse makes of a body, and
// how JSON.stringify writes it back (Rocket.Chat quotes values in check() messages this way).
// Protocol: one JSON string (the body's text) per input line; one JSON object per output line:
// {"json": false} when JSON.parse refuses it, else {"json": true, "text": JSON.stringify(value)}
// ("text" is null when JSON.stringify runs out of stack).

const { serve } = require('./serve');

function answer(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { json: false };
  }
  try {
    return { json: true, text: JSON.stringify(value) };
  } catch (error) {
    if (error instanceof RangeError) {
      return { json: true, text: null };
    }
    throw error;
  }
}

serve(answer);
