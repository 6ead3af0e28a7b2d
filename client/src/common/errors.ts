// What the client shows of a failed request.

/** A GraphQL or network error's message without urql's "[GraphQL] " or "[Network] " prefix. */
export function cleanMessage(message: string): string {
  return message.replace(/^\[(GraphQL|Network)\]\s*/, '');
}
