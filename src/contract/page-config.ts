// Where the api serves the demo page its configuration (the shape is pageConfigSchema in
// shapes.ts). Apart so the page can import it without zod. No dependencies.

export const PAGE_CONFIG_PATH = '/config.json';
