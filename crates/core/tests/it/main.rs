mod governance;
mod registry;
