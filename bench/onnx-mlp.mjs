// Writes a tensorlift MLP (Linear/ReLU/Sigmoid/Tanh layers of a Sequential) as an ONNX model
// (Gemm + activation nodes, dynamic batch), so onnxruntime-node can run the very same weights.
// A minimal protobuf encoder for the few ONNX messages needed; field numbers from onnx.proto.

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

const key = (field, wire) => varint((field << 3) | wire);
const intField = (field, n) => [...key(field, 0), ...varint(n)];
function bytesField(field, bytes) {
  const b = typeof bytes === 'string' ? [...Buffer.from(bytes, 'utf8')] : [...bytes];
  return [...key(field, 2), ...varint(b.length), ...b];
}

const FLOAT = 1;

function tensorProto(name, dims, values) {
  return [...dims.flatMap((d) => intField(1, d)), ...intField(2, FLOAT), ...bytesField(8, name),
    ...bytesField(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength))];
}

function valueInfo(name, dims) {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === 'string' ? bytesField(2, d) : intField(1, d)));
  const tensorType = [...intField(1, FLOAT), ...bytesField(2, shape)];
  return [...bytesField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

function node(op, inputs, outputs, attrs = []) {
  return [...inputs.flatMap((i) => bytesField(1, i)), ...outputs.flatMap((o) => bytesField(2, o)),
    ...bytesField(3, `${op}_${outputs[0]}`), ...bytesField(4, op),
    ...attrs.flatMap(([name, i]) => bytesField(5, [...bytesField(1, name), ...intField(3, i), ...intField(20, 2)]))];
}

/** ONNX bytes for `model` (a tl.nn.Sequential of Linear and activation modules). */
export function mlpToOnnx(tl, model) {
  const nodes = [], inits = [];
  let cur = 'input', k = 0, inF = null, outF = null;
  for (const layer of model.layers) {
    const next = `t${k++}`;
    if (layer instanceof tl.nn.Linear) {
      const [o, i] = layer.weight.shape;
      inF ??= i;
      outF = o;
      inits.push(tensorProto(`w${k}`, [o, i], layer.weight.dataSync()), tensorProto(`b${k}`, [o], layer.bias.dataSync()));
      nodes.push(node('Gemm', [cur, `w${k}`, `b${k}`], [next], [['transB', 1]]));
    } else {
      const op = { ReLU: 'Relu', Sigmoid: 'Sigmoid', Tanh: 'Tanh' }[layer.constructor.name];
      if (!op) throw new Error(`onnx-mlp: cannot export ${layer.constructor.name}`);
      nodes.push(node(op, [cur], [next]));
    }
    cur = next;
  }
  nodes.push(node('Identity', [cur], ['output']));
  const graph = [...nodes.flatMap((n) => bytesField(1, n)), ...bytesField(2, 'mlp'), ...inits.flatMap((t) => bytesField(5, t)),
    ...bytesField(11, valueInfo('input', ['batch', inF])), ...bytesField(12, valueInfo('output', ['batch', outF]))];
  const model_ = [...intField(1, 8), ...bytesField(2, 'tensorlift-bench'), ...bytesField(7, graph),
    ...bytesField(8, [...bytesField(1, ''), ...intField(2, 13)])];
  return Uint8Array.from(model_);
}
