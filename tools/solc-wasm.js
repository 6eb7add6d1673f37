#!/usr/bin/env node
// Presents the npm `solc` package (the official compiler built to WebAssembly) as a native `solc`
// command line, so that py-solc-x / ape-solidity and `forge build` can use it where no native
// compiler of the pinned version can be installed. It supports the two calls those tools make:
//   solc --version
//   solc --standard-json [--base-path DIR] [--include-path DIR]... [--allow-paths DIRS] < input.json
// Imports missing from the input are read from disk, relative to the base and include paths.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message) {
  process.stderr.write(`solc-wasm: ${message}\n`);
  process.exit(1);
}

let solc;
try {
  solc = require('solc');
} catch (err) {
  fail(`cannot load the npm package 'solc' (${err.code || err.message}); run 'npm ci' first`);
}

// Native builds print e.g. 0.8.28+commit.7893614a.Linux.g++; tools parse that shape.
function nativeVersion() {
  return solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
}

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, basePath: null, includePaths: [] };
  const valueOf = (i, flag) => {
    if (i + 1 >= argv.length) fail(`${flag} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, null];
    switch (flag) {
      case '--version':
        opts.version = true;
        break;
      case '--standard-json':
        opts.standardJson = true;
        break;
      case '--base-path':
        opts.basePath = inline ?? valueOf(i++, flag);
        break;
      case '--include-path':
        opts.includePaths.push(inline ?? valueOf(i++, flag));
        break;
      case '--allow-paths':
        if (inline === null) i++; // reads are limited to the base and include paths below
        break;
      case '-':
        break;
      default:
        fail(`unsupported argument '${arg}' (this wrapper serves --version and --standard-json)`);
    }
  }
  return opts;
}

// Write everything in one go, retrying on a non-blocking pipe, so large outputs arrive whole.
function writeAll(fd, text) {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

function importResolver(roots) {
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.resolve(root, importPath));
    for (const candidate of candidates) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(', ')})` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    writeAll(1, `solc, the solidity compiler commandline interface\nVersion: ${nativeVersion()}\n`);
    return;
  }
  if (!opts.standardJson) fail('nothing to do: pass --version or --standard-json');
  const input = fs.readFileSync(0, 'utf8');
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths];
  writeAll(1, solc.compile(input, { import: importResolver(roots) }));
}

main();
