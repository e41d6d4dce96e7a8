// Score rows with a twoclass ONNX export in Node.js: no Python involved.
//
//   node score.js model.onnx rows.json      rows.json: [{"age": 22, "port": "S", "note": "..."}, ...]
//
// Prints {"label": [...], "probability": [...]} as JSON; on an error, onnxruntime's own message on stderr, exit 1.
// Each graph input is one column, [N, 1]: a double input gets a Float64Array (null -> NaN), a string input an array
// of strings (null -> ""). A column that no row has is left out, and a double column holding text is passed as text,
// so that onnxruntime itself answers bad input (tests/saving/test_onnx_pipeline.py checks what it says).
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

function column(rows, name, type) {
  const values = rows.map((row) => (row[name] === undefined ? null : row[name]));
  if (type === 'float64' && values.every((v) => v === null || typeof v === 'number')) {
    return new ort.Tensor('float64', Float64Array.from(values, (v) => (v === null ? NaN : v)), [rows.length, 1]);
  }
  return new ort.Tensor('string', values.map((v) => (v === null ? '' : String(v))), [rows.length, 1]);
}

async function main() {
  const [modelPath, rowsPath] = process.argv.slice(2);
  const rows = JSON.parse(fs.readFileSync(rowsPath, 'utf8'));
  const session = await ort.InferenceSession.create(modelPath);
  const feeds = {};
  for (const input of session.inputMetadata) {
    if (rows.some((row) => input.name in row)) {
      feeds[input.name] = column(rows, input.name, input.type);
    }
  }
  const results = await session.run(feeds);
  const label = Array.from(results.label.data, (v) => (typeof v === 'bigint' ? Number(v) : v));
  process.stdout.write(JSON.stringify({ label, probability: Array.from(results.probability.data) }));
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
