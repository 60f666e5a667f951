/** `.baton` files imported as text (esbuild's text loader; see esbuild.js and runtime/prelude/). */
declare module '*.baton' {
  const text: string;
  export default text;
}
