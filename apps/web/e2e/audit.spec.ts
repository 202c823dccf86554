import { expect, test } from '@playwright/test';
import { E2E_ADMIN } from './global-setup';
import { screenshot } from './support';

test.describe('audit log', () => {
  test('the admin finds their own sign-in, and a failed one without a user, on the audit page', async ({ page, request }) => {
    // A failed sign-in for an account that does not exist: recorded, with the address masked.
    const failed = await request.post('/api/auth/login', { data: { email: 'mallory@e2e.local', password: 'guessing 123' } });
    expect(failed.status()).toBe(401);

    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByRole('heading', { name: 'Audit log', exact: true })).toBeVisible();
    await page.getByLabel('Action').selectOption('auth.login');
    const table = page.getByTestId('audit-table');
    await expect(table.getByRole('row').filter({ hasText: E2E_ADMIN.email }).filter({ hasText: 'success' }).first()).toBeVisible();

    await page.getByLabel('Outcome').selectOption('failure');
    const failure = table.getByRole('row').filter({ hasText: 'm***@e2e.local' });
    await expect(failure).toHaveCount(1);
    await expect(failure).toContainText('anonymous');
    await expect(table).not.toContainText(E2E_ADMIN.email);
    await screenshot(page, 'audit');
  });
});
