// The benchmark MLP in TensorFlow.js (global `tf` from the UMD scripts): 784-128-10, ReLU,
// batch 64, float32, Adam 1e-3, the same example order as glassnet.
// The batch is gathered OUTSIDE optimizer.minimize: inside it, TF.js copies the whole training
// tensor on every step.

const tf = globalThis.tf;

function toFloat(images) {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i += 1) out[i] = images[i] / 255;
  return out;
}

function heNormal(rows, cols) {
  return tf.variable(tf.randomNormal([rows, cols], 0, Math.sqrt(2 / rows), 'float32', 0));
}

function accuracy(params, images, labels, n) {
  let correct = 0;
  const chunk = 1000;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const predicted = tf.tidy(() => {
      const x = tf.tensor2d(toFloat(images.subarray(start * 784, end * 784)), [end - start, 784]);
      return tf.argMax(forward(params, x), 1);
    });
    const values = predicted.dataSync();
    predicted.dispose();
    for (let i = 0; i < values.length; i += 1) if (values[i] === labels[start + i]) correct += 1;
  }
  return correct / n;
}

function forward([w1, b1, w2, b2], x) {
  // Functional ops only: the UMD tf-core bundle does not register chained tensor methods.
  return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
}

// One run at a time: prepare (tensors, variables), train (the timed epoch), finish (accuracy,
// dispose). Separate calls let the host measure the main thread's CPU time for training alone.
let run = null;

/** Set the backend ('cpu' or 'wasm') and build the tensors; data as parsed idx, order as Int32Array. */
export async function tfjsPrepare(backend, data, order, batch = 64) {
  if (run) tfjsFinish();
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} unavailable`);
  await tf.ready();
  const n = data.trainLabels.length;
  run = {
    data, order, batch, n,
    xs: tf.tensor2d(toFloat(data.trainImages), [n, 784]),
    ys: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(data.trainLabels), 'int32'), 10), 'float32')),
    params: [heNormal(784, 128), tf.variable(tf.zeros([128])), heNormal(128, 10), tf.variable(tf.zeros([10]))],
    optimizer: tf.train.adam(1e-3),
  };
  return {backend: tf.getBackend()};
}

/** The timed epoch: every batch gathered outside minimize, one sync at the end. */
export async function tfjsTrain() {
  const {xs, ys, params, optimizer, order, batch, n} = run;
  let last = null;
  const t0 = performance.now();
  for (let start = 0; start < n; start += batch) {
    const idx = tf.tensor1d(order.subarray(start, Math.min(n, start + batch)), 'int32');
    const xb = tf.gather(xs, idx);
    const yb = tf.gather(ys, idx);
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(params, xb)), true);
    tf.dispose([idx, xb, yb]);
    if (last) last.dispose();
    last = cost;
  }
  const loss = (await last.data())[0];
  const seconds = (performance.now() - t0) / 1000;
  last.dispose();
  return {seconds, loss, backend: tf.getBackend()};
}

/** Test accuracy of the trained model, then free everything. */
export function tfjsFinish() {
  if (!run) return {};
  const {data, xs, ys, params, optimizer} = run;
  const testAccuracy = accuracy(params, data.testImages, data.testLabels, data.testLabels.length);
  tf.dispose([xs, ys, ...params]);
  optimizer.dispose();
  run = null;
  return {test_accuracy: testAccuracy, tensors_left: tf.memory().numTensors};
}
