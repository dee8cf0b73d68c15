/**
 * Tree-sitter query for C# (tree-sitter-wasms 0.1.13, tree-sitter-c_sharp.wasm). Records count
 * as classes and delegates as types; `const` fields are constants. This grammar predates
 * file-scoped namespaces (`namespace A;`), which parse with errors.
 */

/** C# definitions. Earlier patterns win. */
export const CSHARP_QUERY = String.raw`
(namespace_declaration name: (_) @name) @definition.namespace
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(struct_declaration name: (identifier) @name) @definition.struct
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(delegate_declaration name: (identifier) @name) @definition.type
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(property_declaration name: (identifier) @name) @definition.property
(field_declaration (modifier) @_modifier (variable_declaration (variable_declarator (identifier) @name)) (#eq? @_modifier "const")) @definition.constant
(field_declaration (variable_declaration (variable_declarator (identifier) @name))) @definition.field
`;
