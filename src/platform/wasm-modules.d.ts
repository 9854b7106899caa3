// A .wasm import in workers (wrangler, workerd) is the compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
