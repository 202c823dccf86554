import { useQuery } from '@tanstack/react-query';
import type { User } from '@sluice/shared';
import { api } from '../api/client';

export const usersKey = ['users'] as const;

/**
 * Every user, oldest first (admins only: `users:manage`).
 *
 * @example
 * const { data: users = [] } = useUsers();
 * const disabled = users.filter((u) => u.disabled).length;
 */
export function useUsers() {
  return useQuery({ queryKey: usersKey, queryFn: () => api.get<User[]>('/api/users') });
}
