import { expect, test, type Page } from '@playwright/test';
import type { SecretSummary } from '@sluice/shared';
import { api, screenshot } from './support';

/** Collects Content-Security-Policy violations: the browser's console errors and the DOM events. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(m.text())) console.push(m.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return async () => [...console, ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))];
}

test.describe('security', () => {
  test('the app runs under its Content-Security-Policy without a single violation', async ({ page }) => {
    const violations = await watchCsp(page);
    const created = await api<{ id: string }>('POST', '/api/flows', {
      name: `csp ${Date.now().toString(36)}`,
      nodes: [
        { id: 'in', type: 'source.webhook', config: {}, position: { x: 0, y: 0 } },
        { id: 'rules', type: 'validate.rules', config: { rules: [{ name: 'positive', expression: 'total > 0', message: 'total must be positive' }] }, position: { x: 260, y: 0 } },
        { id: 'crm', type: 'sink.http', config: { url: 'https://crm.example.com/orders', headers: { Authorization: { $secret: 'crm-token' } } }, position: { x: 520, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'in', sourcePort: 'out', target: 'rules' },
        { id: 'e2', source: 'rules', sourcePort: 'valid', target: 'crm' },
      ],
    });
    expect(created.status).toBe(201);

    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response?.headers()['x-powered-by']).toBeUndefined();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

    // The editor: canvas, live socket, the JSONata code editor (CodeMirror injects its styles).
    await page.goto(`/flows/${created.body.id}`);
    await page.getByTestId('node-rules').click({ position: { x: 30, y: 12 } });
    await expect(page.getByTestId('node-settings').locator('.cm-editor').first()).toBeVisible();
    // A header that names a vault secret shows as a secret name, with its key button on.
    await page.getByTestId('node-crm').click({ position: { x: 30, y: 12 } });
    const panel = page.getByTestId('node-settings');
    await expect(panel.getByLabel('Header 1 secret name')).toHaveValue('crm-token');
    await expect(panel.getByTestId('secret-toggle-headers.0')).toHaveAttribute('aria-pressed', 'true');
    await screenshot(page, 'secret-header');

    // The flow's PII fields: declaring one turns encryption at rest on (shown as in effect), and saves.
    await page.locator('.react-flow__pane').click({ position: { x: 60, y: 60 } });
    const flowPanel = page.getByTestId('flow-settings');
    await expect(flowPanel.getByTestId('input-encryptAtRest')).not.toBeChecked();
    await flowPanel.getByTestId('add-pii').click();
    await flowPanel.getByTestId('input-pii.0.path').fill('email');
    await flowPanel.getByTestId('input-pii.0.strategy').selectOption({ label: 'email' });
    await expect(flowPanel.getByTestId('input-encryptAtRest')).toBeChecked();
    await screenshot(page, 'flow-pii');
    await page.getByTestId('save').click();
    await expect.poll(async () => (await api<{ settings: { pii: unknown[] } }>('GET', `/api/flows/${created.body.id}`)).body.settings.pii).toEqual([{ path: 'email', strategy: 'email' }]);

    await page.goto('/dead-letters');
    await expect(page.getByRole('heading', { name: /Dead letters/ })).toBeVisible();
    expect(await violations()).toEqual([]);
  });

  test('the admin keeps a secret in the vault; its value is never shown again', async ({ page }) => {
    const name = `crm-${Date.now().toString(36)}`;
    const value = `Bearer e2e-${Date.now()}`;
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Secrets' }).click();
    await expect(page.getByRole('heading', { name: 'Secrets', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'New secret' }).first().click();
    const dialog = page.getByTestId('set-secret-dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Value').fill(value);
    await dialog.getByRole('button', { name: 'Save secret' }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByTestId(`secret-row-${name}`);
    await expect(row).toContainText('Set');
    await screenshot(page, 'secrets');
    expect(await page.content()).not.toContain(value);
    const listed = await api<SecretSummary[]>('GET', '/api/secrets');
    expect(listed.body.find((s) => s.name === name)).toMatchObject({ set: true });
    expect(JSON.stringify(listed.body)).not.toContain(value);

    await row.getByRole('button', { name: `Delete ${name}` }).click();
    await page.getByTestId('delete-secret-dialog').getByRole('button', { name: 'Delete secret' }).click();
    await expect(row).toBeHidden();
  });
});
