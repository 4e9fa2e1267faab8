'use strict';
// The reference side of the call-history differential test: Rocket.Chat's reading of a
// `GET /api/v1/voip/rooms` query. Express's qs.parse(str, {allowPrototypes: true}), then ajv 8
// ({coerceTypes: true, allErrors: false}) against docs/contract/call-history.md §2's schema; ajv
// coerces the parsed object in place, so a valid query's values are answered as coerced.
// Protocol: one JSON string (a raw query, no "?") per input line; one JSON object per output line.

const { serve } = require('./serve');
const qs = require('qs');
const Ajv = require('ajv');

const schema = require('./rooms-list-query.schema.json');

const validate = new Ajv({ coerceTypes: true, allErrors: false }).compile(schema);

// A value in a form JSON carries whole: numbers as String() writes them ("-0" kept apart, and
// "Infinity"), so that 1e400 or -0 cannot be lost on the way.
function encode(value) {
  if (value === null) return { null: true };
  if (typeof value === 'string') return { string: value };
  if (typeof value === 'number') return { number: Object.is(value, -0) ? '-0' : String(value) };
  if (Array.isArray(value)) return { array: value.map(encode) };
  return { other: typeof value };
}

function encodeAll(parsed) {
  const encoded = {};
  for (const key of Object.keys(parsed)) encoded[key] = encode(parsed[key]);
  return encoded;
}

function answer(raw) {
  const parsed = qs.parse(raw, { allowPrototypes: true });
  const shape = encodeAll(parsed);
  if (validate(parsed)) {
    return { valid: true, shape, values: encodeAll(parsed) };
  }
  const message = validate.errors.map((error) => error.message).join('\n ');
  return { valid: false, error: `${message} [invalid-params]`, shape };
}

serve(answer);
