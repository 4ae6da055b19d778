import { launchBrowser, makeTempDir, startBackend, startMockUpstream, stopAll } from './harness.mjs';
const tmp = makeTempDir();
const up = await startMockUpstream(tmp);
const be = await startBackend(tmp);
const b = await launchBrowser();
try {
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log('CONSOLE', m.text()); });
  await page.goto(be.url + '/login');
  await page.screenshot({ path: '/tmp/review/login.png' });
  await page.getByLabel('Username').fill('root');
  await page.getByLabel('Password').fill('123456');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/dashboard/);
  await page.waitForTimeout(800);
  await page.screenshot({ path: '/tmp/review/dashboard.png', fullPage: true });
  await page.goto(be.url + '/channels/add');
  await page.getByLabel('Type').selectOption({ label: 'Azure OpenAI' }).catch(async () => console.log(await page.getByLabel('Type').innerText()));
  await page.waitForTimeout(300);
  await page.screenshot({ path: '/tmp/review/channel-add.png', fullPage: true });
  for (const p of ['tokens/add', 'logs', 'users', 'redemptions', 'topup', 'settings/operation', 'settings/ratios', 'pricing', 'about', 'settings/personal']) {
    await page.goto(be.url + '/' + p);
    await page.waitForTimeout(600);
    await page.screenshot({ path: `/tmp/review/${p.replace('/', '-')}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(be.url + '/dashboard');
  await page.waitForTimeout(800);
  await page.screenshot({ path: '/tmp/review/mobile-dashboard.png', fullPage: true });
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.screenshot({ path: '/tmp/review/mobile-menu.png' });
  await page.goto(be.url + '/channels');
  await page.waitForTimeout(500);
  await page.screenshot({ path: '/tmp/review/mobile-channels.png', fullPage: true });
} finally {
  await b.close();
  await stopAll();
}
