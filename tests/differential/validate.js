'use strict';
// The reference side of the differential test: Rocket.Chat's reading of a GET query.
// Express 4.21's "extended" query parser is qs.parse(str, {allowPrototypes: true}); Rocket.Chat
// validates the result with ajv 8 ({coerceTypes: true}) against the spec §3 schema, and answers
// with the errors' messages joined by "\n " and suffixed " [invalid-params]".
// Protocol: one JSON string (a raw query, no "?") per input line; one JSON object per output line.

const { serve } = require('./serve');
const qs = require('qs');
const Ajv = require('ajv');

// Spec §3's schema, the same file the OpenAPI document's RoomQuery is checked against.
const schema = require('./room-query.schema.json');

const validate = new Ajv({ coerceTypes: true, allErrors: false }).compile(schema);

// What decides the outcome, in a form JSON can carry: each top-level key, with its value when
// that is a string, else the kind of value it is.
function topLevel(parsed) {
  const shape = {};
  for (const key of Object.keys(parsed)) {
    const value = parsed[key];
    shape[key] = typeof value === 'string' ? { string: value } : { other: Array.isArray(value) ? 'array' : typeof value };
  }
  return shape;
}

function answer(raw) {
  const parsed = qs.parse(raw, { allowPrototypes: true });
  const shape = topLevel(parsed);
  if (validate(parsed)) {
    return { valid: true, shape };
  }
  const message = validate.errors.map((error) => error.message).join('\n ');
  return { valid: false, error: `${message} [invalid-params]`, shape };
}

serve(answer);
