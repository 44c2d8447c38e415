// @ts-check
// The TaskOverflow web UI: plain DOM code in ES modules, no framework, no build step, type-checked by tsc
// (checkJs, public/tsconfig.json). It talks only to the API under /api/v1 on the same origin.
import { wireExport } from "./export.js";
import { wireSubscribe } from "./subscribe.js";
import { loadTodos, wireAddForm } from "./todos.js";

wireAddForm();
wireExport();
wireSubscribe();
loadTodos();
