import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreateUserBody, User } from '@sluice/shared';
import { api } from '../api/client';
import { usersKey } from './use-users';

/**
 * Adds a user with a first password; a data_producer gets the flows it may ingest into. An email
 * that exists already is refused (409).
 *
 * @example
 * const create = useCreateUser();
 * create.mutate({ email: 'ana@example.com', password, role: 'data_consumer' }, { onSuccess: (user) => note(user.email) });
 */
export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserBody) => api.post<User>('/api/users', body),
    // The password is in the variables: keep them no longer than the dialog.
    gcTime: 0,
    onSuccess: (user) => {
      qc.setQueryData<User[]>(usersKey, (users) => (users ? [...users, user] : users));
      void qc.invalidateQueries({ queryKey: usersKey });
    },
  });
}
