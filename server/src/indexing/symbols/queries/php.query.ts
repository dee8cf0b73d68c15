/**
 * Tree-sitter query for PHP (tree-sitter-wasms 0.1.13). Property names are given without `$`.
 */

/** PHP definitions. Earlier patterns win. */
export const PHP_QUERY = String.raw`
(namespace_definition name: (namespace_name) @name) @definition.namespace
(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.trait
(enum_declaration name: (name) @name) @definition.enum
(function_definition name: (name) @name) @definition.function
(method_declaration name: (name) @name) @definition.method
(const_declaration (const_element (name) @name)) @definition.constant
(property_declaration (property_element (variable_name (name) @name))) @definition.property
`;
