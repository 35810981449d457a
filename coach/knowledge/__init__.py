"""Reading documents, chunking, embedding, the vector store and retrieval."""
