// Errors of sign-in, tokens and API keys. Messages never say which part of a credential was wrong.
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-error.ts';

export class InvalidCredentialsError extends UnauthenticatedError {
  constructor() {
    super('Invalid email or password');
  }
}

export class InvalidTokenError extends UnauthenticatedError {
  constructor(reason: string) {
    super(`Invalid or expired credentials: ${reason}`, { reason });
  }
}

export class AccountDisabledError extends ForbiddenError {
  constructor() {
    super('This account is disabled');
  }
}

export class TooManyLoginAttemptsError extends UnauthenticatedError {
  constructor(windowSeconds: number) {
    super(`Too many failed sign-ins; try again in ${Math.ceil(windowSeconds / 60)} minutes`, { retryAfterSeconds: windowSeconds });
  }
}
