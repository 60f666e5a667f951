/** Type references: declared types, built-in types, generics; an unknown type is `Any` (information). */
import * as A from './ast';
import { diag } from './diagnostics';
import { BUILTIN_TYPES } from './builtins';
import { FileContext } from './check-context';

export function checkTypeRef(fc: FileContext, t: A.TypeRef): void {
  switch (t.kind) {
    case 'NamedType': {
      const name = t.name.name;
      if (!BUILTIN_TYPES.has(name) && !fc.symbols.types.has(name) && fc.workspace.find('types', name, fc.uri).length === 0) {
        fc.diags.push(diag('unknown-type', `Type '${name}' is not declared; it is treated as Any.`, t.name.start, t.name.end));
      } else if (fc.symbols.types.has(name)) {
        const decl = fc.symbols.types.get(name)!;
        fc.refs.push({ node: t.name, sym: { kind: 'type', name, decl: decl.name, node: decl } });
      }
      for (const a of t.args) checkTypeRef(fc, a);
      return;
    }
    case 'ArrayType': checkTypeRef(fc, t.element); return;
    case 'RecordType': for (const f of t.fields) checkTypeRef(fc, f.type); return;
    case 'UnionType': for (const o of t.options) checkTypeRef(fc, o); return;
    case 'LiteralType': return;
  }
}
