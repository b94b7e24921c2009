#!/usr/bin/env node
// The `faultline` (and `mcp-faultline`) command of the npm package mcp-faultline.
//
// The binary itself lives in one package per platform (mcp-faultline-linux-x64-gnu, ...), which
// this package lists as optionalDependencies with `os`, `cpu` and `libc` fields, so that npm,
// pnpm and yarn install only the one that fits, as biome and oxlint ship. This launcher finds
// that package with require.resolve, runs its binary with the same arguments and standard
// streams, forwards termination signals to it, and exits as it did. Plain Node, no dependencies.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const PLATFORMS = require("../platforms.json");
const { version: VERSION } = require("../package.json");

// faultline's own exit code for errors (usage, unreadable input, internal): never 1, which
// means "findings" to a CI job.
const EXIT_ERROR = 2;

// "glibc" or "musl" on Linux, null elsewhere.
function detectLibc() {
  if (process.platform !== "linux") {
    return null;
  }
  // ldd is a script naming its C library on glibc systems and a link to the musl loader on
  // Alpine; reading it is quick and needs no child process.
  try {
    const ldd = fs.readFileSync("/usr/bin/ldd", "latin1");
    if (ldd.includes("musl")) {
      return "musl";
    }
    if (ldd.includes("GNU C Library") || ldd.includes("GLIBC")) {
      return "glibc";
    }
  } catch {
    // no ldd: ask Node below
  }
  try {
    if (process.report) {
      process.report.excludeNetwork = true;
      const report = process.report.getReport();
      const header = typeof report === "string" ? JSON.parse(report).header : report.header;
      return header.glibcVersionRuntime ? "glibc" : "musl";
    }
  } catch {
    // fall through
  }
  return "glibc";
}

// The platform packages that can run here, best first: on a glibc Linux the glibc build, then
// the static musl build, which runs there too.
function candidates(libc) {
  const names = [];
  for (const [name, p] of Object.entries(PLATFORMS)) {
    if (name.startsWith("/") || p.os !== process.platform || p.cpu !== process.arch) {
      continue;
    }
    if (p.libc === undefined || p.libc === libc) {
      names.unshift(name);
    } else if (p.libc === "musl" && libc === "glibc") {
      names.push(name);
    }
  }
  return names;
}

function platformLabel(libc) {
  return `${process.platform} ${process.arch}${libc ? ` ${libc}` : ""}`;
}

const OTHER_WAYS = [
  "Install faultline another way:",
  "  pip install mcp-faultline      a wheel with the same binary (or: pipx run mcp-faultline, uvx mcp-faultline)",
  "  cargo install mcp-faultline    build it from source with a Rust toolchain",
];

function fail(lines) {
  process.stderr.write(`${lines.join("\n")}\n`);
  process.exit(EXIT_ERROR);
}

function findBinary() {
  const libc = detectLibc();
  const names = candidates(libc);
  if (names.length === 0) {
    fail([
      `faultline: mcp-faultline ships no prebuilt binary on npm for this platform: ${platformLabel(libc)}.`,
      `Platforms with a binary: ${Object.keys(PLATFORMS)
        .filter((n) => !n.startsWith("/"))
        .join(", ")}.`,
      ...OTHER_WAYS,
    ]);
  }
  const exe = process.platform === "win32" ? "faultline.exe" : "faultline";
  for (const name of names) {
    const pkg = `mcp-faultline-${name}`;
    let manifest;
    try {
      manifest = require.resolve(`${pkg}/package.json`);
    } catch {
      continue;
    }
    const binary = path.join(path.dirname(manifest), "bin", exe);
    if (!fs.existsSync(binary)) {
      continue;
    }
    try {
      const { version } = JSON.parse(fs.readFileSync(manifest, "utf8"));
      if (version !== VERSION) {
        process.stderr.write(
          `faultline: warning: mcp-faultline is ${VERSION} but ${pkg} is ${version}; reinstall mcp-faultline to match them.\n`,
        );
      }
    } catch {
      // the version check is advice only
    }
    return binary;
  }
  const [first, ...rest] = names.map((n) => `mcp-faultline-${n}`);
  fail([
    `faultline: no faultline binary is installed for this platform: ${platformLabel(libc)}.`,
    `The npm package mcp-faultline takes it from its optional dependency ${first}@${VERSION}` +
      `${rest.length ? ` (or ${rest.join(", ")})` : ""}, and that package is missing: npm leaves it out`,
    "when run with --omit=optional (or --no-optional), or when node_modules or the lockfile came from another platform.",
    "Reinstall with optional dependencies (npm install mcp-faultline), or",
    OTHER_WAYS[0].replace("Install", "install"),
    ...OTHER_WAYS.slice(1),
  ]);
}

function run() {
  const binary = findBinary();
  const child = spawn(binary, process.argv.slice(2), { stdio: "inherit", windowsHide: true });

  // A signal sent to this process (a CI runner cancelling the job, `kill`, Ctrl-C) goes on to
  // faultline; this process then ends the way faultline ended.
  const signals =
    process.platform === "win32" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
  const forward = (signal) => {
    child.kill(signal);
  };
  for (const signal of signals) {
    process.on(signal, forward);
  }

  child.on("error", (err) => {
    fail([
      `faultline: could not run ${binary}: ${err.message}`,
      err.code === "EACCES" ? `Make it executable (chmod +x "${binary}") or reinstall mcp-faultline.` : "Reinstall mcp-faultline, or",
      ...(err.code === "EACCES" ? [] : OTHER_WAYS),
    ]);
  });

  child.on("exit", (code, signal) => {
    for (const s of signals) {
      process.removeListener(s, forward);
    }
    if (signal) {
      // Die of the same signal, so that the parent sees it; exit 128 + n where that cannot be.
      try {
        process.kill(process.pid, signal);
      } catch {
        // fall through
      }
      process.exit(128 + (os.constants.signals[signal] || 0));
    }
    process.exit(code === null ? EXIT_ERROR : code);
  });
}

run();
