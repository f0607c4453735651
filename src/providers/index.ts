/** Model providers and the registry that resolves `provider:model-id` names. */
export { createLexicalEmbedder, LOCAL_MODELS, localProvider } from './local/index.ts';
export { createModelRegistry, type ProviderFactory, parseModelName } from './registry.ts';
