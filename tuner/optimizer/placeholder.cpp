// Placeholder so the optimizer library has a source until its first real file lands.
namespace quante::opt { int optimizer_placeholder() { return 0; } }
