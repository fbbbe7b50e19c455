#!/usr/bin/env node
// Thin launcher so `npx wharf` works after `npm ci` (the prepare script builds dist/). It runs the
// bundled build (rolldown.config.mjs: about half the start-up CPU of tsc's ~1,400 separate modules).
import "../dist/bundle/main.js";
