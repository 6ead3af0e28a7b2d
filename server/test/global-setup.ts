// Minimal no-op global setup so the root vitest config runs on the native-core branch; the
// server branch brings the real one.
export default function setup(): void {}
