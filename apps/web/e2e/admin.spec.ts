import { expect, test } from '@playwright/test';
import type { ApiToken, User } from '@sluice/shared';
import { E2E_ADMIN } from './global-setup';
import { api, baseUrl, screenshot } from './support';

test.describe('users and API tokens', () => {
  test('the admin adds a consumer and a token (which works until revoked); the consumer signs in and sees no Users link', async ({ page, browser }) => {
    const stamp = Date.now().toString(36);
    const email = `consumer-${stamp}@e2e.local`;
    const password = 'consumer password 42';
    const tokenName = `e2e reader ${stamp}`;
    const nav = page.getByRole('navigation', { name: 'Main' });

    // Users: add a data consumer through the dialog.
    await page.goto('/');
    await nav.getByRole('link', { name: 'Users' }).click();
    await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Add user' }).click();
    const addUser = page.getByTestId('add-user-dialog');
    await addUser.getByLabel('Email').fill(email);
    await addUser.getByLabel('Password', { exact: true }).fill('too short');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    await expect(addUser).toContainText('a password needs at least 12 characters');
    await addUser.getByLabel('Password', { exact: true }).fill(password);
    await addUser.getByLabel('Role').selectOption('data_consumer');
    await screenshot(page, 'add-user');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    await expect(addUser).toBeHidden();
    await expect(page.getByTestId('users-notice')).toContainText(`Added ${email} as a data consumer.`);
    const users = await api<User[]>('GET', '/api/users');
    const consumer = users.body.find((u) => u.email === email);
    expect(consumer?.role).toBe('data_consumer');
    const consumerRow = page.getByTestId(`user-row-${consumer!.id}`);
    await expect(consumerRow).toContainText(email);
    await expect(consumerRow.getByLabel(`Role of ${email}`)).toHaveValue('data_consumer');
    await expect(consumerRow.getByTestId('user-status')).toHaveText('Active');

    // The server will not let the admin demote themselves; the page says why and keeps the role.
    const self = users.body.find((u) => u.email === E2E_ADMIN.email)!;
    const selfRole = page.getByTestId(`user-row-${self.id}`).getByLabel(`Role of ${E2E_ADMIN.email}`);
    await selfRole.selectOption('data_consumer');
    await expect(page.getByTestId('users-notice')).toContainText('you cannot disable or demote yourself');
    await expect(selfRole).toHaveValue('system_admin');
    await screenshot(page, 'users');

    // Tokens: a producer token asks for its flows; create a read-only token instead and read its
    // secret from the one-time field.
    const flowName = `e2e flow ${stamp}`;
    expect((await api('POST', '/api/flows', { name: flowName, nodes: [], edges: [] })).status).toBe(201);
    await nav.getByRole('link', { name: 'API tokens' }).click();
    await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'New token' }).click();
    const newToken = page.getByTestId('new-token-dialog');
    await newToken.getByLabel('Name').fill(tokenName);
    await newToken.getByLabel('Role').selectOption('data_producer');
    await expect(newToken.getByRole('group', { name: /Flows/ }).getByRole('checkbox', { name: flowName })).toBeVisible();
    await screenshot(page, 'new-producer-token');
    await newToken.getByLabel('Role').selectOption('data_consumer');
    await newToken.getByRole('button', { name: 'Create token' }).click();
    const secretField = newToken.getByTestId('new-token-secret');
    await expect(secretField).toHaveValue(/^\S{20,}$/);
    await expect(secretField).toHaveAttribute('readonly', '');
    await expect(newToken).toContainText('you will not see it again');
    await expect(newToken.getByRole('button', { name: 'Copy' })).toBeVisible();
    const secret = await secretField.inputValue();
    await screenshot(page, 'new-token');

    const flowsWithToken = async () => (await fetch(`${baseUrl()}/api/flows`, { headers: { authorization: `Bearer ${secret}` } })).status;
    expect(await flowsWithToken()).toBe(200);

    await newToken.getByRole('button', { name: 'Done' }).click();
    await expect(newToken).toBeHidden();
    const tokens = await api<ApiToken[]>('GET', '/api/tokens');
    const created = tokens.body.find((t) => t.name === tokenName);
    expect(created?.role).toBe('data_consumer');
    expect(JSON.stringify(tokens.body)).not.toContain(secret);
    const tokenRow = page.getByTestId(`token-row-${created!.id}`);
    await expect(tokenRow).toContainText('Data consumer');
    await expect(tokenRow.getByTestId('token-status')).toHaveText('Active');
    // The secret is gone from the page once the dialog closes.
    await expect(page.getByTestId('new-token-secret')).toHaveCount(0);

    // Revoke (with confirmation): the token is refused from then on.
    await tokenRow.getByRole('button', { name: `Revoke token ${tokenName}` }).click();
    const revoke = page.getByTestId('revoke-token-dialog');
    await expect(revoke).toContainText(`Revoke “${tokenName}”?`);
    await revoke.getByRole('button', { name: 'Revoke token' }).click();
    await expect(revoke).toBeHidden();
    await expect(tokenRow.getByTestId('token-status')).toContainText('Revoked');
    await expect(tokenRow.getByRole('button', { name: /Revoke/ })).toHaveCount(0);
    await expect.poll(flowsWithToken, { timeout: 15_000 }).toBe(401);
    await screenshot(page, 'tokens');

    // The consumer, in a browser of their own: no Users link, and /users says no access.
    const context = await browser.newContext({ baseURL: baseUrl(), storageState: { cookies: [], origins: [] } });
    try {
      const other = await context.newPage();
      await other.goto('/');
      await other.getByLabel('Email').fill(email);
      await other.getByLabel('Password').fill(password);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await expect(other.getByTestId('signed-in-as')).toContainText(email);
      const otherNav = other.getByRole('navigation', { name: 'Main' });
      await expect(otherNav.getByRole('link', { name: 'API tokens' })).toBeVisible();
      await expect(otherNav.getByRole('link', { name: 'Users' })).toHaveCount(0);
      await other.goto('/users');
      await expect(other.getByTestId('no-access')).toContainText('You do not have access');
      await screenshot(other, 'users-no-access');
      // Their own token dialog offers no role above theirs.
      await otherNav.getByRole('link', { name: 'API tokens' }).click();
      await other.getByRole('button', { name: 'New token' }).first().click();
      await expect(other.getByTestId('new-token-role')).toContainText('Data consumer');
    } finally {
      await context.close();
    }
  });
});
