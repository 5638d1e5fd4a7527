// danfojs-node requires '@tensorflow/tfjs-node'; package.json `overrides` points that name here so the project
// keeps one tfjs (pure JS, the backends the project registers itself) and installs offline.
module.exports = require('@tensorflow/tfjs');
