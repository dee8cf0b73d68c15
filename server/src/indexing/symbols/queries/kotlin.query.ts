/**
 * Tree-sitter query for Kotlin (tree-sitter-wasms 0.1.13). `object` declarations count as
 * classes; `const val` is a constant, other top-level properties are variables, and properties
 * in class bodies or `val`/`var` constructor parameters are properties.
 */

/** Kotlin definitions. Earlier patterns win. */
export const KOTLIN_QUERY = String.raw`
(class_declaration "interface" (type_identifier) @name) @definition.interface
(class_declaration (type_identifier) @name (enum_class_body)) @definition.enum
(class_declaration (type_identifier) @name) @definition.class
(object_declaration (type_identifier) @name) @definition.class
(function_declaration (simple_identifier) @name) @definition.function
(type_alias (type_identifier) @name) @definition.type
(property_declaration (modifiers (property_modifier) @_modifier) (variable_declaration (simple_identifier) @name) (#eq? @_modifier "const")) @definition.constant
(source_file (property_declaration (variable_declaration (simple_identifier) @name)) @definition.variable)
(class_body (property_declaration (variable_declaration (simple_identifier) @name)) @definition.property)
(class_parameter (binding_pattern_kind) (simple_identifier) @name) @definition.property
`;
