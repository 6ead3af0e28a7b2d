import type { ReactElement } from 'react';
import { signIn } from './session.ts';
import { SignInForm } from './SignInForm.tsx';

export function SignInPage(): ReactElement {
  return (
    <section className="panel narrow" aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in to EGen</h2>
      <p className="muted">Use the account an administrator gave you. The first administrator's password is printed by the server on its first start.</p>
      <SignInForm
        onSubmit={async (email, password) => {
          await signIn(email, password);
        }}
      />
    </section>
  );
}
