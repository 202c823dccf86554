import { expect, test } from '@playwright/test';
import { baseUrl, deploy, screenshot } from './support';

test.describe('webhook API keys', () => {
  test('a key made on the webhook node lets a producer post, and it stops working once revoked', async ({ page, playwright }) => {
    const at = { x: 0, y: 0 };
    const flowId = await deploy({
      name: `keys ${Date.now().toString(36)}`,
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: at },
        { id: 'out', type: 'sink.log', config: {}, position: { x: 300, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'in', sourcePort: 'out', target: 'out' }],
    });
    // The producer: no session cookie, only the key.
    const producer = await playwright.request.newContext({ baseURL: baseUrl(), storageState: { cookies: [], origins: [] } });
    const post = (key: string) => producer.post(`/api/flows/${flowId}/ingest`, { data: [{ n: 1 }], headers: { 'x-api-key': key } });

    await page.goto(`/flows/${flowId}`);
    await page.getByTestId('node-in').click({ position: { x: 30, y: 12 } });
    const keys = page.getByTestId('node-settings').getByTestId('source-keys');
    await expect(keys).toContainText('No keys yet');
    await keys.getByLabel('New key name').fill('crm-prod');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const shown = keys.getByTestId('new-source-key');
    await expect(shown).toContainText('it is not shown again');
    const key = (await shown.locator('code').textContent())!.trim();
    expect(key).toMatch(/^slk_/);
    await screenshot(page, 'source-keys');

    expect((await post(key)).status()).toBe(202);
    expect((await post('slk_wrong')).status()).toBe(401);

    await keys.getByRole('button', { name: 'Revoke key crm-prod' }).click();
    await expect(keys).toContainText('No keys yet');
    expect((await post(key)).status()).toBe(401);
    await producer.dispose();
  });
});
