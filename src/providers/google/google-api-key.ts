/** Variables that may hold a Gemini API key, in the order they are read. */
export const GOOGLE_API_KEY_VARIABLES = [
  'GOOGLE_GENERATIVE_AI_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
] as const;
