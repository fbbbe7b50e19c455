#!/usr/bin/env node
// Thin launcher so `npx wharf` works after `npm ci` (the prepare script builds dist/).
import "../dist/main.js";
