import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { UpdateUserBody, User } from '@sluice/shared';
import { api } from '../api/client';
import { usersKey } from './use-users';

export interface UserChange {
  id: string;
  change: UpdateUserBody;
}

/**
 * Changes a user's role, flows, password or whether they may sign in; the user is signed out
 * everywhere. The server refuses (409) to disable or demote the admin who asks.
 *
 * @example
 * const update = useUpdateUser();
 * update.mutate({ id: user.id, change: { disabled: true } }, { onError: (err) => alert(err.message) });
 */
export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, change }: UserChange) => api.patch<User>(`/api/users/${encodeURIComponent(id)}`, change),
    // A reset password is in the variables: keep them no longer than the caller.
    gcTime: 0,
    onSuccess: (user) => {
      qc.setQueryData<User[]>(usersKey, (users) => users?.map((u) => (u.id === user.id ? user : u)));
      void qc.invalidateQueries({ queryKey: usersKey });
    },
  });
}
