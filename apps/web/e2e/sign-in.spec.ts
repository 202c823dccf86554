import { expect, test } from '@playwright/test';
import { E2E_ADMIN } from './global-setup';

test.describe('signing in', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('shows the sign-in page to a stranger, refuses a wrong password, and lets the admin in and out', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Sign in to Sluice' })).toBeVisible();
    await page.getByLabel('Email').fill(E2E_ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('sign-in-error')).toContainText('wrong email or password');

    await page.getByLabel('Password').fill(E2E_ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('signed-in-as')).toContainText(E2E_ADMIN.email);
    await expect(page.getByRole('heading', { name: 'Flows', exact: true })).toBeVisible();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Sluice' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in to Sluice' })).toBeVisible();
  });
});
