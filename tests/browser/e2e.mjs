// End-to-end test of the admin dashboard in headless Chromium against a real backend
// (gunicorn + gevent, fresh SQLite) and a loopback mock OpenAI upstream.
// Run: node tests/browser/e2e.mjs   (make test-browser). Screenshots on failure go to tests/browser/artifacts/.
import fs from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS, launchBrowser, makeTempDir, sleep, startBackend, startMockUpstream, stopAll, tail,
} from './harness.mjs';

const OVERALL_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 420000);
const STEP_TIMEOUT_MS = Number(process.env.E2E_STEP_TIMEOUT_MS || 15000);
const NEW_USER = { username: `e2e${Date.now() % 100000}`, password: 'e2e-password-1' };
const NEW_SYSTEM_NAME = 'E2E Gateway';

const consoleErrors = [];
const failures = [];
let page;
let backend;
let upstream;
let stepNo = 0;

function log(msg) {
  process.stdout.write(`${msg}\n`);
}

async function step(name, fn) {
  stepNo += 1;
  const label = `${String(stepNo).padStart(2, '0')}-${name}`;
  const t0 = Date.now();
  const before = consoleErrors.length;
  try {
    await fn();
    if (consoleErrors.length > before) throw new Error(`console errors:\n  ${consoleErrors.slice(before).join('\n  ')}`);
    log(`ok   ${label} (${Date.now() - t0} ms)`);
  } catch (e) {
    log(`FAIL ${label}: ${e.message}`);
    failures.push(`${label}: ${e.message.split('\n')[0]}`);
    if (page) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      const shot = path.join(ARTIFACTS, `${label}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 5000 }).catch(() => {});
      log(`     screenshot: ${path.relative(process.cwd(), shot)}`);
    }
    // later steps still run (they fail on their own if they needed this one), so one run
    // reports every broken feature; the exit code is non-zero when any step failed.
  }
}

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function relay(key, body) {
  const r = await fetch(`${backend.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20000),
  });
  const text = await r.text();
  return { status: r.status, text, requestId: r.headers.get('x-oneapi-request-id') };
}

async function login(username, password) {
  await page.goto(`${backend.url}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByTestId('balance').waitFor();
}

async function logout() {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login(\?.*)?$/);
  await page.getByRole('link', { name: 'Log in' }).waitFor(); // header shows the anonymous state
}

async function clipboard() {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Wait for a success toast matching `re`; fail at once with the text of an error toast. */
async function successToast(re) {
  const ok = page.getByTestId('toast-success').filter({ hasText: re }).first();
  const bad = page.getByTestId('toast-error').first();
  await Promise.race([ok.waitFor(), bad.waitFor()]);
  if (await bad.isVisible() && !(await ok.isVisible())) throw new Error(`error toast: ${await bad.innerText()}`);
}

async function createTokenAndCopy(name) {
  await page.goto(`${backend.url}/tokens/add`);
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Save' }).click();
  const modalKey = page.getByTestId('created-key');
  await Promise.race([modalKey.waitFor(), page.waitForURL(/\/tokens$/)]);
  if (await modalKey.isVisible()) {
    await page.getByRole('dialog').getByRole('button', { name: 'Copy key' }).click();
  } else {
    await page.getByTestId(`token-row-${name}`).getByRole('button', { name: 'Copy key' }).click();
  }
  await successToast(/Copied/);
  const key = await clipboard();
  if (await modalKey.isVisible()) await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  expect(/^sk-[A-Za-z0-9]{16,}/.test(key), `copied key looks wrong: ${key}`);
  return key;
}

async function run() {
  const tmp = makeTempDir();
  log(`temp dir: ${tmp}`);
  upstream = await startMockUpstream(tmp);
  backend = await startBackend(tmp);
  log(`backend ${backend.url}, mock upstream ${upstream.url}`);
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: backend.url });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`[${page.url()}] ${m.text()}`); });
    page.on('pageerror', (e) => consoleErrors.push(`[${page.url()}] pageerror: ${e.message}`));
    page.on('dialog', (d) => d.accept().catch(() => {}));

    await step('home-page-served', async () => {
      const res = await page.goto(`${backend.url}/`);
      expect(res && res.ok(), `GET / answered ${res && res.status()}`);
      await page.getByRole('link', { name: 'Pricing' }).first().waitFor();
      expect(/no-cache/.test(res.headers()['cache-control'] || ''), `index.html must not be cached: ${res.headers()['cache-control']}`);
      const asset = await page.evaluate(() => document.querySelector('script[type="module"]')?.getAttribute('src'));
      const ar = await fetch(`${backend.url}${asset}`);
      expect(ar.ok && /max-age=31536000/.test(ar.headers.get('cache-control') || ''), `hashed asset ${asset} cache: ${ar.headers.get('cache-control')}`);
      const deep = await page.goto(`${backend.url}/some/client/route`);
      expect(deep && deep.ok(), 'SPA fallback must serve index.html for client routes');
      await page.getByText('Page not found.').waitFor();
    });

    await step('login-root', () => login('root', '123456'));

    let channelId;
    await step('create-channel', async () => {
      await page.goto(`${backend.url}/channels/add`);
      await page.getByLabel('Type').selectOption({ label: 'OpenAI' });
      await page.getByLabel('Name').fill('mock-openai');
      await page.getByLabel('Key').fill('sk-mock-upstream-key');
      await page.getByLabel('Base URL').fill(upstream.url);
      await page.getByLabel('Models (comma separated)').fill('gpt-4o-mini');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/\/channels$/);
      const row = page.locator('tr', { hasText: 'mock-openai' }).first();
      await row.waitFor();
      channelId = Number(await row.locator('td').first().innerText());
      expect(channelId > 0, 'channel id missing');
    });

    await step('test-channel', async () => {
      const before = await (await fetch(`${upstream.url}/__stats`)).json();
      const row = page.getByTestId(`channel-row-${channelId}`);
      await row.getByRole('button', { name: 'Test' }).click();
      await successToast(/tested OK/);
      const after = await (await fetch(`${upstream.url}/__stats`)).json();
      expect(after.chat + after.stream > before.chat + before.stream, 'the channel test did not reach the upstream');
      await row.getByText(/\d+\.\d\ds/).waitFor(); // response time shown after reload
    });

    await step('channel-balance-and-bulk-actions', async () => {
      const row = page.getByTestId(`channel-row-${channelId}`);
      await row.getByRole('button', { name: /^\$/ }).click(); // balance cell: GET /api/channel/update_balance/:id
      await successToast(/balance: \$75\.00/); // mock: hard limit $100 - usage 2500 cents
      await page.getByRole('button', { name: 'Test all' }).click();
      await successToast(/Testing all channels started/);
      await page.getByRole('button', { name: 'Delete disabled' }).click();
      await successToast(/Disabled channels deleted/);
      await page.getByTestId(`channel-row-${channelId}`).waitFor(); // an enabled channel survives
    });

    await step('edit-priority-inline', async () => {
      const row = page.getByTestId(`channel-row-${channelId}`);
      const input = row.getByLabel('Priority');
      await input.fill('5');
      await input.press('Enter');
      await successToast(/Saved/);
      await page.reload();
      await page.getByTestId(`channel-row-${channelId}`).getByLabel('Priority').waitFor();
      expect(await page.getByTestId(`channel-row-${channelId}`).getByLabel('Priority').inputValue() === '5', 'priority not persisted');
    });

    await step('edit-channel-form', async () => {
      await page.getByTestId(`channel-row-${channelId}`).getByRole('link', { name: 'Edit' }).click();
      await page.waitForURL(new RegExp(`/channels/edit/${channelId}$`));
      const name = page.getByLabel('Name');
      await name.waitFor();
      expect(await name.inputValue() === 'mock-openai', 'edit form did not load the channel');
      expect(await page.getByLabel('Base URL').inputValue() === upstream.url, 'base URL not loaded');
      expect(await page.getByLabel('Key').inputValue() === '', 'the stored key must never be sent back');
      await page.getByLabel('Weight').fill('2');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/\/channels$/);
      const weight = page.getByTestId(`channel-row-${channelId}`).getByLabel('Weight');
      await weight.waitFor();
      expect(await weight.inputValue() === '2', 'weight not saved from the edit form');
    });

    let rootKey;
    await step('create-token-copy-key', async () => {
      rootKey = await createTokenAndCopy('e2e-root-key');
    });

    let requestId;
    await step('relay-request', async () => {
      const r = await relay(rootKey, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.status === 200, `relay answered ${r.status}: ${r.text.slice(0, 300)}`);
      expect(r.text.includes('Hello from the mock upstream'), `unexpected relay body: ${r.text.slice(0, 300)}`);
      requestId = r.requestId;
      expect(!!requestId, 'missing X-Oneapi-Request-Id');
      const s = await relay(rootKey, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      expect(s.status === 200 && s.text.includes('[DONE]'), `stream relay answered ${s.status}: ${s.text.slice(0, 300)}`);
    });

    await step('log-shows-request-and-quota', async () => {
      await page.goto(`${backend.url}/logs`);
      const row = page.getByTestId('log-row').filter({ hasText: requestId });
      for (let i = 0; i < 20 && !(await row.count()); i += 1) { // log rows may be written asynchronously
        await sleep(500);
        await page.getByRole('button', { name: 'Filter' }).click();
        await sleep(300);
      }
      await row.first().waitFor();
      const quota = await row.first().getByTestId('log-quota').innerText();
      expect(/\$0\.0*[1-9]/.test(quota), `log row quota should be > 0, got ${quota}`);
      await expect(await row.first().innerText().then((t) => t.includes('gpt-4o-mini')), 'model missing in log row');
      await page.getByLabel('Type').selectOption({ label: 'Consume' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByTestId('log-stat').getByText(/\$0\.0*[1-9]/).waitFor();
    });

    await step('dashboard-charts', async () => {
      await page.goto(`${backend.url}/dashboard`);
      await page.locator('.recharts-surface').first().waitFor();
      await page.getByRole('cell', { name: 'gpt-4o-mini' }).first().waitFor();
    });

    let code;
    await step('create-redemption', async () => {
      await page.goto(`${backend.url}/redemptions`);
      await page.locator('#rd-name').fill('e2e-code');
      await page.locator('#rd-quota').fill('2');
      await page.locator('#rd-count').fill('1');
      await page.getByRole('button', { name: 'Create codes' }).click();
      const keys = page.getByTestId('redemption-keys');
      await keys.waitFor();
      code = (await keys.inputValue()).trim();
      expect(/^[0-9a-zA-Z-]{16,}$/.test(code), `bad redemption code ${code}`);
      await page.getByRole('dialog').getByRole('button', { name: 'Copy all' }).click();
      expect((await clipboard()).trim() === code, 'copied code differs');
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      await page.locator('tr', { hasText: 'e2e-code' }).getByText('Unused').waitFor();
    });

    await step('register-new-user', async () => {
      await logout();
      await page.goto(`${backend.url}/register`);
      await page.getByLabel('Username').fill(NEW_USER.username);
      await page.getByLabel('Password', { exact: true }).fill(NEW_USER.password);
      await page.getByLabel('Confirm password').fill(NEW_USER.password);
      await page.getByRole('button', { name: 'Register' }).click();
      await page.waitForURL(/\/login$/);
      await login(NEW_USER.username, NEW_USER.password);
    });

    await step('redeem-code', async () => {
      await page.goto(`${backend.url}/topup`);
      const balance = page.getByTestId('topup-balance');
      await balance.waitFor();
      await page.getByLabel('Redemption code').fill(code);
      await page.getByRole('button', { name: 'Redeem', exact: true }).click();
      await successToast(/Redeemed \$2\.0000/);
      await page.getByTestId('topup-balance').getByText(/\$[2-9]\.\d{4}/).waitFor();
    });

    let userKey;
    await step('user-key-works', async () => {
      userKey = await createTokenAndCopy('e2e-user-key');
      const r = await relay(userKey, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.status === 200, `new user's key refused before ban: ${r.status} ${r.text.slice(0, 200)}`);
      await logout();
    });

    await step('change-option-takes-effect', async () => {
      await login('root', '123456');
      await page.goto(`${backend.url}/settings/other`);
      const input = page.getByLabel('System name');
      await input.waitFor();
      await input.fill(NEW_SYSTEM_NAME);
      await page.getByLabel('About', { exact: true }).fill('# About e2e\n\nServed **markdown**<script>window.__xss = 1</script>');
      await page.getByRole('button', { name: 'Save' }).click();
      await successToast(/Saved/);
      await page.locator('.brand', { hasText: NEW_SYSTEM_NAME }).waitFor();
      const st = await (await fetch(`${backend.url}/api/status`)).json();
      expect(st.data.system_name === NEW_SYSTEM_NAME, `/api/status system_name is ${st.data.system_name}`);
      await page.reload();
      await page.locator('.brand', { hasText: NEW_SYSTEM_NAME }).waitFor();
      await page.goto(`${backend.url}/about`);
      await page.getByRole('heading', { name: 'About e2e' }).waitFor();
      await page.locator('.markdown strong', { hasText: 'markdown' }).waitFor();
      expect(!(await page.evaluate(() => window.__xss)), 'About content must be sanitized');
    });

    await step('invalid-ratio-json-blocked', async () => {
      await page.goto(`${backend.url}/settings/ratios`);
      const editor = page.getByLabel('Group ratio (JSON)');
      await editor.waitFor();
      await editor.fill('{"default": 1,');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText(/Invalid: GroupRatio/).first().waitFor();
    });

    await step('admin-creates-and-edits-user', async () => {
      await page.goto(`${backend.url}/users/add`);
      await page.getByLabel('Username').fill('e2e-made');
      await page.getByLabel('Password').fill('made-password-1');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/\/users$/);
      const row = page.getByTestId('user-row-e2e-made');
      await row.getByRole('link', { name: 'Edit' }).click();
      await page.getByLabel('Display name').fill('Made By E2E');
      await page.getByLabel('Quota (USD)').fill('3');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/\/users$/);
      await row.getByText('Made By E2E').waitFor();
      await row.getByText('$3.0000').waitFor();
      await row.getByRole('button', { name: 'Make admin' }).click();
      await row.getByText('Admin', { exact: true }).waitFor();
    });

    await step('ban-user-key-refused', async () => {
      await page.goto(`${backend.url}/users`);
      const row = page.getByTestId(`user-row-${NEW_USER.username}`);
      await row.getByRole('button', { name: 'Ban' }).click();
      await row.getByText('Banned').waitFor();
      const r = await relay(userKey, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.status === 401 || r.status === 403, `banned user's key answered ${r.status}: ${r.text.slice(0, 200)}`);
    });

    await step('language-switch', async () => {
      await page.getByLabel('Language').selectOption('zh');
      await page.getByRole('link', { name: '用户' }).first().waitFor();
      await page.getByLabel('Language').selectOption('en');
    });

    await step('mobile-layout', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${backend.url}/channels`);
      const nav = page.getByRole('navigation', { name: 'main' });
      expect(!(await nav.isVisible()), 'nav should be collapsed on a phone');
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: 'Tokens' }).click();
      await page.waitForURL(/\/tokens$/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow <= 1, `page overflows horizontally by ${overflow}px`);
    });
  } finally {
    await browser.close().catch(() => {});
  }
}

const timer = setTimeout(() => {
  log(`FAIL overall timeout ${OVERALL_TIMEOUT_MS} ms`);
  stopAll().finally(() => process.exit(1));
}, OVERALL_TIMEOUT_MS);

let code = 0;
try {
  await run();
  if (failures.length) {
    code = 1;
    log(`e2e: ${failures.length} step(s) failed:\n  ${failures.join('\n  ')}`);
  } else {
    log('e2e: all steps passed');
  }
} catch (e) {
  code = 1;
  log(`FAIL ${stepNo === 0 ? 'setup' : 'run'}: ${e.message}`);
} finally {
  if (code && backend) log(`--- backend log tail ---\n${tail(backend.child.logFile, 60)}`);
  clearTimeout(timer);
  await stopAll();
}
process.exit(code);
