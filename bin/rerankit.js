#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv).catch((err) => {
  // main() reports user errors itself; anything reaching here is a bug worth a stack trace.
  console.error(err);
  process.exit(2);
});
