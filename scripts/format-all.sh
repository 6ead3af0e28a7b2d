#!/usr/bin/env bash
# One-off after the issue-11 branches are merged: Prettier over the whole repository, then the
# ESLint fixes it can make by itself, then what is left for a person (file:line:column rule).
# Afterwards set WHOLE_REPOSITORY = true in scripts/lint.test.ts and commit both.
set -euo pipefail
cd "$(dirname "$0")/.."
npx prettier --write --log-level warn .
npx eslint --fix . || true
npx eslint --max-warnings 0 --format json . | node -e '
  let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
    const left = JSON.parse(text).flatMap((f) => f.messages.map((m) => `${require("node:path").relative(process.cwd(), f.filePath)}:${m.line}:${m.column} ${m.ruleId ?? "eslint"}`));
    console.log(left.length ? `ESLint could not fix ${left.length}:\n${left.join("\n")}` : "ESLint: nothing left");
    process.exitCode = left.length ? 1 : 0;
  });'
