import { describe, expect, it } from 'vitest';
import { microService, serviceAccount, withServiceAccount } from '../test/support/fixtures.ts';
import { renderServiceAccount } from './service-account.ts';
import { DEFAULT_RENDER_CONFIG } from './types.ts';

describe('renderServiceAccount', () => {
  const cases = [
    { name: 'default: created, no token', input: microService(), want: serviceAccount() },
    { name: 'create: true', input: microService(withServiceAccount({ create: true })), want: serviceAccount() },
    {
      name: 'automountToken: true',
      input: microService(withServiceAccount({ automountToken: true })),
      want: serviceAccount((o) => {
        o['automountServiceAccountToken'] = true;
      }),
    },
    {
      name: 'existing account: none rendered',
      input: microService(withServiceAccount({ create: false, name: 'shared' })),
      want: undefined,
    },
    {
      name: 'existing account with the MicroService name: none rendered',
      input: microService(withServiceAccount({ create: false, name: 'order' })),
      want: undefined,
    },
    {
      name: 'a name alone means an existing account',
      input: microService(withServiceAccount({ name: 'shared' })),
      want: undefined,
    },
  ];
  it.each(cases)('$name', ({ input, want }) =>
    expect(renderServiceAccount(input, DEFAULT_RENDER_CONFIG)).toStrictEqual(want),
  );
});
