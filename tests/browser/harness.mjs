// Process and browser harness for the end-to-end test: free ports, child processes
// (always killed), the backend under gunicorn with the production gevent worker (oneapi/gunicorn_conf.py), the mock upstream, Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const ARTIFACTS = path.join(HERE, 'artifacts');
const requireFE = createRequire(path.join(ROOT, 'frontend', 'package.json'));
export const { chromium } = requireFE('playwright-core');

const children = new Set();

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Spawn in its own process group so the whole tree can be killed; output goes to a log file. */
export function start(name, cmd, args, { env = {}, cwd = ROOT, logDir } = {}) {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true });
  child.logFile = logFile;
  child.procName = name;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

export async function stopAll() {
  const list = [...children];
  for (const c of list) killGroup(c, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && list.some((c) => c.exitCode === null && c.signalCode === null)) await sleep(100);
  for (const c of list) if (c.exitCode === null && c.signalCode === null) killGroup(c, 'SIGKILL');
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) killGroup(c, 'SIGKILL');
    process.exit(130);
  });
}
process.on('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
});

export function tail(file, n = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/** Poll `url` until it answers 200 (or the child dies / time runs out). */
export async function waitHttp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${child.procName} exited (${child.exitCode}):\n${tail(child.logFile)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(200);
  }
  throw new Error(`timeout waiting for ${url} (${last})${child ? `\n${tail(child.logFile)}` : ''}`);
}

export function pythonBin() {
  const venvPy = path.join(ROOT, '.venv', 'bin', 'python');
  return fs.existsSync(venvPy) ? venvPy : 'python3';
}

export async function startMockUpstream(logDir) {
  const port = await freePort();
  const child = start('mock-upstream', pythonBin(), [path.join(HERE, 'mock_upstream.py'), String(port)], { logDir });
  await waitHttp(`http://127.0.0.1:${port}/__stats`, child, 15000);
  return { port, url: `http://127.0.0.1:${port}`, child };
}

export async function startBackend(logDir) {
  const dbPath = path.join(logDir, 'one-api.db');
  const env = {
    SQLITE_PATH: dbPath,
    SESSION_SECRET: 'e2e-session-secret-not-for-production',
    PYTHONUNBUFFERED: '1',
  };
  for (const k of ['SQL_DSN', 'LOG_SQL_DSN', 'REDIS_CONN_STRING']) env[k] = '';
  const bin = path.join(ROOT, '.venv', 'bin');
  const mig = spawnSync(path.join(bin, 'oneapi'), ['migrate'], {
    cwd: ROOT, env: { ...process.env, ...env }, timeout: 120000, encoding: 'utf8',
  });
  if (mig.status !== 0) throw new Error(`oneapi migrate failed (${mig.status ?? mig.signal}):\n${mig.stdout}\n${mig.stderr}`);
  const port = await freePort();
  const child = start('backend', path.join(bin, 'gunicorn'), ['-w', '1', '-b', `127.0.0.1:${port}`, '--timeout', '60', '--no-control-socket', '-c', path.join(ROOT, 'oneapi', 'gunicorn_conf.py'), 'wsgi:app'], {
    env: { ...env, PORT: String(port), PATH: `${bin}:${process.env.PATH}` }, logDir,
  });
  await waitHttp(`http://127.0.0.1:${port}/api/status`, child, 60000);
  return { port, url: `http://127.0.0.1:${port}`, child };
}

export function makeTempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oneapi-e2e-'));
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 30000,
  });
}
