import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { LoginBody, Permission, SessionInfo } from '@sluice/shared';
import { api, ApiError, setCsrfToken, setSignedOutHandler } from '../api/client';

export const sessionKey = ['session'] as const;

/**
 * Who is signed in: `null` when nobody is (the app then shows the sign-in page). Keeps the API
 * client's CSRF token in step with the session.
 *
 * @example
 * const { data: session } = useSession();
 * if (session && can(session, 'flows:write')) …
 */
export function useSession() {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: sessionKey,
    queryFn: async (): Promise<SessionInfo | null> => {
      try {
        return await api.get<SessionInfo>('/api/auth/me');
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
  useEffect(() => {
    setCsrfToken(query.data?.csrfToken ?? null);
  }, [query.data]);
  useEffect(() => {
    setSignedOutHandler(() => qc.setQueryData(sessionKey, null));
    return () => setSignedOutHandler(null);
  }, [qc]);
  return query;
}

export function can(session: SessionInfo | null | undefined, permission: Permission): boolean {
  return session?.permissions.includes(permission) ?? false;
}

/** Another user's data must not linger: drop every cached query but the session itself. */
function forgetEverythingElse(qc: QueryClient): void {
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
}

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginBody) => api.post<SessionInfo>('/api/auth/login', body),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      qc.setQueryData(sessionKey, session);
      forgetEverythingElse(qc);
    },
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<void>('/api/auth/logout'),
    onSettled: () => {
      setCsrfToken(null);
      qc.setQueryData(sessionKey, null);
      forgetEverythingElse(qc);
    },
  });
}
