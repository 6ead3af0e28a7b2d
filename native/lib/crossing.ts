// The error side of every promise-returning call into C++ (sharp's way of keeping the stack).

/**
 * Runs a native promise, keeping the caller's stack on failure: the Error is captured before
 * crossing, with frames above `publicFunction` removed, so it points at the user's line.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any public function: only its identity is used, for Error.captureStackTrace
export async function crossing<T>(publicFunction: Function, call: () => Promise<T>): Promise<T> {
  const callerStack = new Error(publicFunction.name);
  Error.captureStackTrace(callerStack, publicFunction);
  try {
    return await call();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    callerStack.message = message;
    throw callerStack;
  }
}
