mod registry;
mod governance;
