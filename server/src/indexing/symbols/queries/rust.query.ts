/**
 * Tree-sitter query for Rust (tree-sitter-wasms 0.1.13). An `impl` block is a scope, not a
 * symbol: functions inside it (and inside traits) are methods whose container is the impl type.
 */

/** Rust definitions. Earlier patterns win. */
export const RUST_QUERY = String.raw`
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name) @definition.struct
(union_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(trait_item name: (type_identifier) @name) @definition.trait
(type_item name: (type_identifier) @name) @definition.type
(mod_item name: (identifier) @name) @definition.module
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(struct_item body: (field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field))
(union_item body: (field_declaration_list (field_declaration name: (field_identifier) @name) @definition.field))
(impl_item type: (_) @name) @scope
`;
