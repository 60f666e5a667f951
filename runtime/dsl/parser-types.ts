/** Type references: names with generics, arrays, record types, literal and union types, `?`. */
import * as A from './ast';
import { Colon, Comma, Gt, LBracket, LCurly, Lt, NumberLit, Pipe, Question, RBracket, StringLit, Word } from './lexer';
import { ParserBase } from './parser-base';
import { decodeNumber, decodeString } from './literals';

export class TypeParser extends ParserBase {
  typeRef = this.RULE('typeRef', (): A.TypeRef => {
    const start = this.here();
    const options: A.TypeRef[] = [this.SUBRULE(this.typeAtom)];
    this.MANY(() => { this.CONSUME(Pipe); options.push(this.SUBRULE2(this.typeAtom)); });
    return options.length === 1 ? options[0] : this.range({ kind: 'UnionType', options } as A.UnionType, start);
  });

  typeAtom = this.RULE('typeAtom', (): A.TypeRef => {
    const start = this.here();
    const t: A.TypeRef = this.OR([
      {
        ALT: () => {
          const name = this.ident(this.CONSUME(Word));
          const args: A.TypeRef[] = [];
          this.OPTION(() => {
            this.CONSUME(Lt);
            this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => { args.push(this.SUBRULE(this.typeRef)); } });
            this.CONSUME(Gt);
          });
          return { kind: 'NamedType', name, args, optional: false } as A.NamedType;
        },
      },
      {
        ALT: () => {
          this.CONSUME(LBracket);
          const element = this.SUBRULE2(this.typeRef);
          this.CONSUME(RBracket);
          return { kind: 'ArrayType', element, optional: false } as A.ArrayType;
        },
      },
      {
        ALT: () => {
          const fields: A.FieldDecl[] = [];
          this.CONSUME(LCurly);
          this.MANY(() => {
            fields.push(this.SUBRULE(this.fieldDecl));
            this.OPTION2(() => this.CONSUME(Comma));
          });
          this.closeCurly();
          return { kind: 'RecordType', fields, optional: false } as A.RecordType;
        },
      },
      {
        ALT: () => {
          const tok = this.CONSUME(StringLit);
          return { kind: 'LiteralType', value: decodeString(tok.image ?? '""') } as A.LiteralType;
        },
      },
      {
        ALT: () => {
          const tok = this.CONSUME(NumberLit);
          return { kind: 'LiteralType', value: decodeNumber(tok.image ?? '0') } as A.LiteralType;
        },
      },
    ]);
    this.OPTION3(() => {
      this.CONSUME(Question);
      this.ACTION(() => { if (t.kind !== 'UnionType' && t.kind !== 'LiteralType') (t as A.NamedType).optional = true; });
    });
    return this.range(t, start);
  });

  fieldDecl = this.RULE('fieldDecl', (): A.FieldDecl => {
    const start = this.here();
    const name = this.ident(this.CONSUME(Word));
    let optional = false;
    this.OPTION(() => { this.CONSUME(Question); optional = true; });
    this.CONSUME(Colon);
    const type = this.SUBRULE(this.typeRef);
    return this.range({ kind: 'Field', name, type, optional } as A.FieldDecl, start);
  });
}
